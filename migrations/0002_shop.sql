CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`intent_key` text NOT NULL,
	`kind` text NOT NULL,
	`quote_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`product_id` text NOT NULL,
	`country_code` text,
	`term_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`subscription_ids` text,
	`price_cents` integer NOT NULL,
	`quoted_cost_cents` integer NOT NULL,
	`upstream_cost_cents` integer,
	`labels` text NOT NULL,
	`state` text NOT NULL,
	`sent_at` integer,
	`upstream_order_id` text,
	`previous_expires_at` text,
	`failure_code` text,
	`failure_message` text,
	`reconcile_attempts` integer DEFAULT 0 NOT NULL,
	`next_check_at` integer,
	`attention_at` integer,
	`channel` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "order_price_positive" CHECK("orders"."price_cents" > 0 AND "orders"."quantity" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_user_intent` ON `orders` (`user_id`,`intent_key`);--> statement-breakpoint
CREATE INDEX `orders_state` ON `orders` (`state`,`next_check_at`);--> statement-breakpoint
CREATE INDEX `orders_user` ON `orders` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`audience` text NOT NULL,
	`user_id` integer,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`dedupe_key` text,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe_key_unique` ON `outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `pricing_rules` (
	`provider_id` text NOT NULL,
	`product_id` text NOT NULL,
	`markup_basis_points` integer NOT NULL,
	`min_margin_cents` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`provider_id`, `product_id`),
	CONSTRAINT "pricing_rule_sane" CHECK("pricing_rules"."markup_basis_points" >= 0 AND "pricing_rules"."markup_basis_points" <= 100000 AND "pricing_rules"."min_margin_cents" >= 0)
);
--> statement-breakpoint
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
	`upstream_cost_cents` integer NOT NULL,
	`price_cents` integer NOT NULL,
	`labels` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "quote_price_positive" CHECK("quotes"."price_cents" > 0 AND "quotes"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE `subscriptions` (
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
	`expires_at` text,
	`status` text NOT NULL,
	`traffic_limit_mb` integer,
	`rotation_url` text,
	`auto_renew` integer DEFAULT false NOT NULL,
	`renew_term_id` text,
	`reminded_for_expiry` text,
	`last_synced_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_upstream` ON `subscriptions` (`provider_id`,`upstream_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_user` ON `subscriptions` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `subscriptions_expiry` ON `subscriptions` (`status`,`expires_at`);