CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`telegram_id` integer NOT NULL,
	`username` text,
	`first_name` text,
	`language` text DEFAULT 'en' NOT NULL,
	`unreachable_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_telegram_id_unique` ON `users` (`telegram_id`);--> statement-breakpoint
CREATE TABLE `ledger_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`user_id` integer,
	`debits_posted` integer DEFAULT 0 NOT NULL,
	`credits_posted` integer DEFAULT 0 NOT NULL,
	`debits_pending` integer DEFAULT 0 NOT NULL,
	`credits_pending` integer DEFAULT 0 NOT NULL,
	`available` integer GENERATED ALWAYS AS (credits_posted - debits_posted - debits_pending) VIRTUAL,
	CONSTRAINT "wallet_available_not_negative" CHECK("ledger_accounts"."kind" <> 'wallet' OR "ledger_accounts"."available" >= 0),
	CONSTRAINT "totals_not_negative" CHECK("ledger_accounts"."debits_posted" >= 0 AND "ledger_accounts"."credits_posted" >= 0 AND "ledger_accounts"."debits_pending" >= 0 AND "ledger_accounts"."credits_pending" >= 0)
);
--> statement-breakpoint
CREATE INDEX `ledger_accounts_user` ON `ledger_accounts` (`user_id`);--> statement-breakpoint
CREATE TABLE `ledger_transfers` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`category` text NOT NULL,
	`debit_account_id` text NOT NULL,
	`credit_account_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`pending_id` text,
	`user_id` integer,
	`order_id` text,
	`actor` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`debit_account_id`) REFERENCES `ledger_accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`credit_account_id`) REFERENCES `ledger_accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "amount_positive" CHECK("ledger_transfers"."amount_cents" > 0),
	CONSTRAINT "debit_differs_from_credit" CHECK("ledger_transfers"."debit_account_id" <> "ledger_transfers"."credit_account_id"),
	CONSTRAINT "resolution_names_pending" CHECK(("ledger_transfers"."kind" IN ('post_pending', 'void_pending')) = ("ledger_transfers"."pending_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transfers_id_unique` ON `ledger_transfers` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transfers_pending_id_unique` ON `ledger_transfers` (`pending_id`);--> statement-breakpoint
CREATE INDEX `ledger_transfers_user` ON `ledger_transfers` (`user_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ledger_transfers_order` ON `ledger_transfers` (`order_id`);