-- New tenant tables get ENABLE + FORCE row-level security and the tenant policies.
SELECT finops_secure_tenant_tables();
