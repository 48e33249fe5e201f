-- Times become epoch milliseconds, like every other time in the database:
-- subscriptions.expires_at, subscriptions.reminded_for_expiry and
-- orders.previous_expires_at were ISO 8601 text (UTC, as toISOString() wrote them).
--
-- Conversion: whole seconds from strftime('%s'), milliseconds from the
-- fraction of strftime('%f') ('SS.SSS'), all integer arithmetic. NULL, or a
-- text SQLite cannot read as a time, stays NULL (strftime gives NULL).
--
-- subscriptions is rebuilt (drizzle-kit's plan, with the conversion in the
-- copy): no table references it, so dropping the old one is safe with foreign
-- keys on, and one rebuild costs less than four ALTER TABLEs, each of which
-- re-reads the whole schema (every test opens a fresh database).
--
-- orders is referenced by subscriptions and order_operator_actions, and the
-- migrator runs inside BEGIN, where PRAGMA foreign_keys=OFF is ignored: a
-- rebuild's DROP TABLE orders would fail. Its column is replaced in place
-- instead: add an integer column, fill it, drop the text one, take its name.
CREATE TABLE `__new_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`order_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`product_id` text NOT NULL,
	`product_name` text NOT NULL,
	`upstream_id` text NOT NULL,
	`host` text NOT NULL,
	`http_port` integer,
	`socks5_port` integer,
	`login` text NOT NULL,
	`password` text NOT NULL,
	`country_code` text,
	`expires_at` integer,
	`status` text NOT NULL,
	`traffic_limit_mb` integer,
	`rotation_url` text,
	`auto_renew` integer DEFAULT false NOT NULL,
	`renew_term_id` text,
	`reminded_for_expiry` integer,
	`last_synced_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_subscriptions`(`id`, `user_id`, `order_id`, `provider_id`, `product_id`, `product_name`, `upstream_id`, `host`, `http_port`, `socks5_port`, `login`, `password`, `country_code`, `expires_at`, `status`, `traffic_limit_mb`, `rotation_url`, `auto_renew`, `renew_term_id`, `reminded_for_expiry`, `last_synced_at`, `created_at`)
  SELECT `id`, `user_id`, `order_id`, `provider_id`, `product_id`, `product_name`, `upstream_id`, `host`, `http_port`, `socks5_port`, `login`, `password`, `country_code`, CAST(strftime('%s', `expires_at`) AS INTEGER) * 1000 + CAST(substr(strftime('%f', `expires_at`), 4) AS INTEGER), `status`, `traffic_limit_mb`, `rotation_url`, `auto_renew`, `renew_term_id`, CAST(strftime('%s', `reminded_for_expiry`) AS INTEGER) * 1000 + CAST(substr(strftime('%f', `reminded_for_expiry`), 4) AS INTEGER), `last_synced_at`, `created_at` FROM `subscriptions`;--> statement-breakpoint
DROP TABLE `subscriptions`;--> statement-breakpoint
ALTER TABLE `__new_subscriptions` RENAME TO `subscriptions`;--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_upstream` ON `subscriptions` (`provider_id`,`upstream_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_user` ON `subscriptions` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `subscriptions_order` ON `subscriptions` (`order_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_expiry` ON `subscriptions` (`status`,`expires_at`,`id`);--> statement-breakpoint
CREATE INDEX `subscriptions_auto_renew` ON `subscriptions` (`expires_at`,`id`) WHERE "subscriptions"."status" = 'active' AND "subscriptions"."auto_renew" = 1;--> statement-breakpoint
ALTER TABLE `orders` ADD `previous_expires_at_ms` integer;--> statement-breakpoint
UPDATE `orders` SET `previous_expires_at_ms` = CAST(strftime('%s', `previous_expires_at`) AS INTEGER) * 1000 + CAST(substr(strftime('%f', `previous_expires_at`), 4) AS INTEGER)
  WHERE `previous_expires_at` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` DROP COLUMN `previous_expires_at`;--> statement-breakpoint
ALTER TABLE `orders` RENAME COLUMN `previous_expires_at_ms` TO `previous_expires_at`;
