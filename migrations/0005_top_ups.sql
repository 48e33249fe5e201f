CREATE TABLE `top_ups` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`method` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`state` text NOT NULL,
	`external_id` text,
	`details` text DEFAULT '{}' NOT NULL,
	`decided_by` text,
	`reason` text,
	`expires_at` integer,
	`credited_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "top_up_amount_positive" CHECK("top_ups"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `top_ups_external` ON `top_ups` (`method`,`external_id`);--> statement-breakpoint
CREATE INDEX `top_ups_open` ON `top_ups` (`method`,`state`);--> statement-breakpoint
CREATE INDEX `top_ups_user` ON `top_ups` (`user_id`,`created_at`);