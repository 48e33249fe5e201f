CREATE TABLE `broadcasts` (
	`id` text PRIMARY KEY NOT NULL,
	`created_by` integer NOT NULL,
	`html` text NOT NULL,
	`button_text` text,
	`button_url` text,
	`audience` text,
	`state` text DEFAULT 'draft' NOT NULL,
	`recipients` integer DEFAULT 0 NOT NULL,
	`progress_chat_id` integer,
	`progress_message_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`confirmed_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `broadcasts_state` ON `broadcasts` (`state`);--> statement-breakpoint
CREATE TABLE `upstream_balance_watch` (
	`provider_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`balance_cents` integer NOT NULL,
	`threshold_cents` integer NOT NULL,
	`checked_at` integer NOT NULL,
	`changed_at` integer NOT NULL
);
