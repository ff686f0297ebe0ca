-- The findings tables are tenant tables: ENABLE + FORCE row-level security and the policies.
SELECT finops_secure_tenant_tables();
