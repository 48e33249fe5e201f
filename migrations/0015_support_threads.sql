CREATE TABLE `support_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`direction` text NOT NULL,
	`group_message_id` integer NOT NULL,
	`customer_message_id` integer NOT NULL,
	`admin_telegram_id` integer,
	`kind` text NOT NULL,
	`text` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_messages_group_message` ON `support_messages` (`group_message_id`);--> statement-breakpoint
CREATE INDEX `support_messages_user` ON `support_messages` (`user_id`,`id`);--> statement-breakpoint
CREATE TABLE `support_threads` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`topic_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_threads_topic` ON `support_threads` (`topic_id`);