CREATE TABLE `linked_upstream_orders` (
	`order_id` text PRIMARY KEY NOT NULL,
	`subscription_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`upstream_id` text NOT NULL,
	`host` text NOT NULL,
	`http_port` integer,
	`socks5_port` integer,
	`login` text NOT NULL,
	`password` text NOT NULL,
	`traffic_limit_mb` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `linked_upstream_orders_upstream` ON `linked_upstream_orders` (`provider_id`,`upstream_id`);--> statement-breakpoint
CREATE INDEX `linked_upstream_orders_subscription` ON `linked_upstream_orders` (`subscription_id`,`created_at`,`order_id`);