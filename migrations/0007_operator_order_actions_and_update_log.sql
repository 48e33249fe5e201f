CREATE TABLE `order_operator_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` text NOT NULL,
	`action` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text,
	`upstream_order_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `order_operator_actions_order` ON `order_operator_actions` (`order_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `order_operator_actions_one_settlement` ON `order_operator_actions` (`order_id`) WHERE "order_operator_actions"."action" IN ('settle_failed', 'settle_delivered');--> statement-breakpoint
CREATE TABLE `processed_updates` (
	`bot_id` integer NOT NULL,
	`update_id` integer NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`bot_id`, `update_id`)
);
--> statement-breakpoint
CREATE INDEX `processed_updates_received` ON `processed_updates` (`received_at`);