CREATE TABLE `traffic_auto_topups` (
	`subscription_id` text PRIMARY KEY NOT NULL,
	`term_id` text NOT NULL,
	`threshold_percent` integer NOT NULL,
	`failed_period_key` text,
	`failed_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "traffic_auto_topup_threshold" CHECK("traffic_auto_topups"."threshold_percent" BETWEEN 50 AND 99)
);
--> statement-breakpoint
CREATE TABLE `traffic_usage` (
	`subscription_id` text PRIMARY KEY NOT NULL,
	`used_mb` integer NOT NULL,
	`remaining_mb` integer,
	`total_mb` integer,
	`fetched_at` integer NOT NULL,
	`plan_key` text NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `traffic_warnings` (
	`subscription_id` text NOT NULL,
	`period_key` text NOT NULL,
	`threshold` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`subscription_id`, `period_key`, `threshold`),
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "traffic_warning_threshold" CHECK("traffic_warnings"."threshold" IN (80, 95, 100))
);
