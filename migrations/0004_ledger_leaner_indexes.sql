DROP INDEX `ledger_transfers_pending_id_unique`;--> statement-breakpoint
DROP INDEX `ledger_transfers_order`;--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transfers_one_resolution` ON `ledger_transfers` (`pending_id`) WHERE "ledger_transfers"."pending_id" IS NOT NULL;