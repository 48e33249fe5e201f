-- A free trial costs the customer nothing: quotes, orders and trial offers
-- may carry a price of 0 cents (only a trial's quote is ever priced at 0; the
-- services refuse it for anything else, and the ledger holds nothing for it).
--
-- SQLite changes a CHECK only by rebuilding the table. orders is referenced by
-- subscriptions, order_operator_actions, order_discounts, order_targets and
-- linked_upstream_orders, and quotes by quote_discounts and quote_targets (both
-- ON DELETE CASCADE); the migrator runs inside BEGIN, where
-- PRAGMA foreign_keys=OFF is ignored. So foreign keys are deferred to the
-- commit instead: dropping the old table counts its children as orphans,
-- inserting the same ids into the new table of the same name counts them back,
-- and the commit checks that every child found its parent again. The rows of
-- quote_discounts and quote_targets, which the drop would cascade away, are
-- kept aside and put back.
PRAGMA defer_foreign_keys = ON;--> statement-breakpoint
CREATE TABLE `__old_orders` AS SELECT * FROM `orders`;--> statement-breakpoint
DROP TABLE `orders`;--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`intent_key` text NOT NULL,
	`quote_id` text NOT NULL,
	`kind` text NOT NULL,
	`provider_id` text NOT NULL,
	`product_id` text NOT NULL,
	`country_code` text,
	`term_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`subscription_ids` text,
	`labels` text NOT NULL,
	`price_cents` integer NOT NULL,
	`quoted_cost_cents` integer NOT NULL,
	`upstream_cost_cents` integer,
	`state` text NOT NULL,
	`sent_at` integer,
	`upstream_order_id` text,
	`previous_expires_at` integer,
	`failure_code` text,
	`failure_message` text,
	`reconcile_attempts` integer DEFAULT 0 NOT NULL,
	`next_check_at` integer,
	`attention_at` integer,
	`channel` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "order_price_not_negative" CHECK("price_cents" >= 0 AND "quantity" > 0)
);
--> statement-breakpoint
INSERT INTO `orders`("id", "user_id", "intent_key", "quote_id", "kind", "provider_id", "product_id", "country_code", "term_id", "quantity", "subscription_ids", "labels", "price_cents", "quoted_cost_cents", "upstream_cost_cents", "state", "sent_at", "upstream_order_id", "previous_expires_at", "failure_code", "failure_message", "reconcile_attempts", "next_check_at", "attention_at", "channel", "created_at", "updated_at") SELECT "id", "user_id", "intent_key", "quote_id", "kind", "provider_id", "product_id", "country_code", "term_id", "quantity", "subscription_ids", "labels", "price_cents", "quoted_cost_cents", "upstream_cost_cents", "state", "sent_at", "upstream_order_id", "previous_expires_at", "failure_code", "failure_message", "reconcile_attempts", "next_check_at", "attention_at", "channel", "created_at", "updated_at" FROM `__old_orders`;--> statement-breakpoint
DROP TABLE `__old_orders`;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_user_intent` ON `orders` (`user_id`,`intent_key`);--> statement-breakpoint
CREATE INDEX `orders_state` ON `orders` (`state`,`next_check_at`);--> statement-breakpoint
CREATE INDEX `orders_state_provider` ON `orders` (`state`,`provider_id`);--> statement-breakpoint
CREATE INDEX `orders_user` ON `orders` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `__old_quote_discounts` AS SELECT * FROM `quote_discounts`;--> statement-breakpoint
CREATE TABLE `__old_quote_targets` AS SELECT * FROM `quote_targets`;--> statement-breakpoint
CREATE TABLE `__old_quotes` AS SELECT * FROM `quotes`;--> statement-breakpoint
DROP TABLE `quotes`;--> statement-breakpoint
CREATE TABLE `quotes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`kind` text NOT NULL,
	`provider_id` text NOT NULL,
	`product_id` text NOT NULL,
	`country_code` text,
	`term_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`subscription_ids` text,
	`labels` text NOT NULL,
	`upstream_cost_cents` integer NOT NULL,
	`price_cents` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "quote_price_not_negative" CHECK("price_cents" >= 0 AND "quantity" > 0)
);
--> statement-breakpoint
INSERT INTO `quotes`("id", "user_id", "kind", "provider_id", "product_id", "country_code", "term_id", "quantity", "subscription_ids", "labels", "upstream_cost_cents", "price_cents", "expires_at", "created_at") SELECT "id", "user_id", "kind", "provider_id", "product_id", "country_code", "term_id", "quantity", "subscription_ids", "labels", "upstream_cost_cents", "price_cents", "expires_at", "created_at" FROM `__old_quotes`;--> statement-breakpoint
DROP TABLE `__old_quotes`;--> statement-breakpoint
DELETE FROM `quote_discounts`;--> statement-breakpoint
INSERT INTO `quote_discounts` SELECT * FROM `__old_quote_discounts`;--> statement-breakpoint
DROP TABLE `__old_quote_discounts`;--> statement-breakpoint
DELETE FROM `quote_targets`;--> statement-breakpoint
INSERT INTO `quote_targets` SELECT * FROM `__old_quote_targets`;--> statement-breakpoint
DROP TABLE `__old_quote_targets`;--> statement-breakpoint
CREATE INDEX `quotes_expiry` ON `quotes` (`expires_at`);--> statement-breakpoint
CREATE TABLE `__new_trial_offers` (
	`provider_id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`term_id` text NOT NULL,
	`country_code` text,
	`price_cents` integer NOT NULL,
	`requires_top_up` integer DEFAULT false NOT NULL,
	`set_by` text NOT NULL,
	`set_at` integer NOT NULL,
	CONSTRAINT "trial_price_not_negative" CHECK("price_cents" >= 0)
);
--> statement-breakpoint
INSERT INTO `__new_trial_offers`("provider_id", "product_id", "term_id", "country_code", "price_cents", "requires_top_up", "set_by", "set_at") SELECT "provider_id", "product_id", "term_id", "country_code", "price_cents", "requires_top_up", "set_by", "set_at" FROM `trial_offers`;--> statement-breakpoint
DROP TABLE `trial_offers`;--> statement-breakpoint
ALTER TABLE `__new_trial_offers` RENAME TO `trial_offers`;