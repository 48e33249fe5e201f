-- Times become epoch milliseconds, like every other time in the database:
-- subscriptions.expires_at, subscriptions.reminded_for_expiry and
-- orders.previous_expires_at were ISO 8601 text (UTC, as toISOString() wrote them).
--
-- Not drizzle-kit's table rebuild: the migrator runs inside BEGIN, where
-- PRAGMA foreign_keys=OFF is ignored, so DROP TABLE orders fails as soon as a
-- subscription or an operator action points at an order. Instead each column
-- is replaced in place: add an integer column, fill it from the text one,
-- drop the text one, take its name. Indexes on expires_at are dropped first
-- (SQLite refuses to drop an indexed column) and created again on the new one.
--
-- Conversion: whole seconds from strftime('%s'), milliseconds from the
-- fraction of strftime('%f') ('SS.SSS'), all integer arithmetic. NULL, or a
-- text SQLite cannot read as a time, stays NULL (strftime gives NULL).
DROP INDEX `subscriptions_expiry`;--> statement-breakpoint
DROP INDEX `subscriptions_auto_renew`;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `expires_at_ms` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `reminded_for_expiry_ms` integer;--> statement-breakpoint
UPDATE `subscriptions` SET
  `expires_at_ms` = CAST(strftime('%s', `expires_at`) AS INTEGER) * 1000 + CAST(substr(strftime('%f', `expires_at`), 4) AS INTEGER),
  `reminded_for_expiry_ms` = CAST(strftime('%s', `reminded_for_expiry`) AS INTEGER) * 1000 + CAST(substr(strftime('%f', `reminded_for_expiry`), 4) AS INTEGER);--> statement-breakpoint
ALTER TABLE `subscriptions` DROP COLUMN `expires_at`;--> statement-breakpoint
ALTER TABLE `subscriptions` DROP COLUMN `reminded_for_expiry`;--> statement-breakpoint
ALTER TABLE `subscriptions` RENAME COLUMN `expires_at_ms` TO `expires_at`;--> statement-breakpoint
ALTER TABLE `subscriptions` RENAME COLUMN `reminded_for_expiry_ms` TO `reminded_for_expiry`;--> statement-breakpoint
CREATE INDEX `subscriptions_expiry` ON `subscriptions` (`status`,`expires_at`,`id`);--> statement-breakpoint
CREATE INDEX `subscriptions_auto_renew` ON `subscriptions` (`expires_at`,`id`) WHERE "subscriptions"."status" = 'active' AND "subscriptions"."auto_renew" = 1;--> statement-breakpoint
ALTER TABLE `orders` ADD `previous_expires_at_ms` integer;--> statement-breakpoint
UPDATE `orders` SET
  `previous_expires_at_ms` = CAST(strftime('%s', `previous_expires_at`) AS INTEGER) * 1000 + CAST(substr(strftime('%f', `previous_expires_at`), 4) AS INTEGER)
  WHERE `previous_expires_at` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` DROP COLUMN `previous_expires_at`;--> statement-breakpoint
ALTER TABLE `orders` RENAME COLUMN `previous_expires_at_ms` TO `previous_expires_at`;
