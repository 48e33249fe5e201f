CREATE TABLE `job_leases` (
	`job` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL,
	`progress` text
);
--> statement-breakpoint
DROP INDEX `subscriptions_expiry`;--> statement-breakpoint
CREATE INDEX `subscriptions_order` ON `subscriptions` (`order_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_auto_renew` ON `subscriptions` (`expires_at`,`id`) WHERE "subscriptions"."status" = 'active' AND "subscriptions"."auto_renew" = 1;--> statement-breakpoint
CREATE INDEX `subscriptions_expiry` ON `subscriptions` (`status`,`expires_at`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`id`) WHERE "outbox"."state" = 'pending';--> statement-breakpoint
CREATE INDEX `quotes_expiry` ON `quotes` (`expires_at`);--> statement-breakpoint
CREATE INDEX `kv_store_updated` ON `kv_store` (`updated_at`);