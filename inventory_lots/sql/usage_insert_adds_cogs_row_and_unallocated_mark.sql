-- A new usage gets its UsageCogs row (nothing allocated; the engine's copy of what it plans from, with
-- the return a reversal reverses since 0017) and
-- its UnallocatedUsage mark. Statement-level, over the transition table: one INSERT per statement.
CREATE OR REPLACE FUNCTION inventory_lots_unallocated_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO inventory_lots_usagecogs (usage_id, lic_id, date, quantity, lot_id, returns_usage_id, reverses_usage_id,
                                        production_order_id, allocated_quantity, cogs_value, accrued_value,
                                        no_cost_basis)
  SELECT n.id, n.lic_id, n.date, n.quantity, n.lot_id, n.returns_usage_id, n.reverses_usage_id,
         inventory_lots_component_order(n.kind, n.source_type_id, n.source_id),
         0, 0, 0, false
  FROM inventory_lots_new_usage n;
  -- a usage's quantity is never 0 (CHECK): a new one is unallocated
  INSERT INTO inventory_lots_unallocatedusage (usage_id, lic_id, office_id, date)
  SELECT n.id, n.lic_id, n.office_id, n.date FROM inventory_lots_new_usage n;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER inventory_lots_unallocated_insert AFTER INSERT ON inventory_lots_inventoryusage
  REFERENCING NEW TABLE AS inventory_lots_new_usage
  FOR EACH STATEMENT EXECUTE FUNCTION inventory_lots_unallocated_on_insert();
