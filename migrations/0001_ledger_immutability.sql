-- The journal is append-only: a transfer, once written, is never changed or removed.
-- Holds are resolved by new transfers (post_pending / void_pending), so nothing needs UPDATE.
CREATE TRIGGER `ledger_transfers_no_update`
BEFORE UPDATE ON `ledger_transfers`
BEGIN
  SELECT RAISE(ABORT, 'ledger transfers are immutable');
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_transfers_no_delete`
BEFORE DELETE ON `ledger_transfers`
BEGIN
  SELECT RAISE(ABORT, 'ledger transfers are immutable');
END;
