CREATE TABLE `admin_audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`actor_telegram_id` integer NOT NULL,
	`chat_id` integer,
	`action` text NOT NULL,
	`arguments` text DEFAULT '' NOT NULL,
	`outcome` text NOT NULL,
	`result` text DEFAULT '' NOT NULL,
	`subject_user_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subject_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `admin_audit_subject` ON `admin_audit` (`subject_user_id`,`id`);--> statement-breakpoint
CREATE INDEX `admin_audit_created` ON `admin_audit` (`created_at`);--> statement-breakpoint
CREATE TABLE `customer_bans` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`banned_by` text NOT NULL,
	`banned_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TRIGGER `admin_audit_no_update` BEFORE UPDATE ON `admin_audit` BEGIN SELECT RAISE(ABORT, 'the admin audit is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `admin_audit_no_delete` BEFORE DELETE ON `admin_audit` BEGIN SELECT RAISE(ABORT, 'the admin audit is append-only'); END;
