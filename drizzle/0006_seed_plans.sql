-- The three plans of the replaced service. Plans are data: later plans are added through
-- /api/admin/plans, never by a migration. Existing rows are left alone (an operator may have
-- edited them).
INSERT INTO plans (code, name, monthly_price, currency, limits, features) VALUES
  ('foundation', 'Foundation', 290.00, 'USD',
   '{"members": 3, "cloud_accounts": 1, "history_months": 12, "upload_mb": 512}',
   '["costs", "findings", "reports.pdf", "reports.csv"]'),
  ('professional', 'Professional', 790.00, 'USD',
   '{"members": 9, "cloud_accounts": 5, "history_months": 24, "upload_mb": 2048}',
   '["costs", "findings", "reports.pdf", "reports.csv", "reports.xlsx", "anomalies", "forecast", "commitments"]'),
  ('enterprise', 'Enterprise', 1990.00, 'USD',
   '{"members": 12, "cloud_accounts": 10, "history_months": 36, "upload_mb": 4096}',
   '["costs", "findings", "reports.pdf", "reports.csv", "reports.xlsx", "anomalies", "forecast", "commitments", "exports.focus", "custom_logo"]')
ON CONFLICT (code) DO NOTHING;
