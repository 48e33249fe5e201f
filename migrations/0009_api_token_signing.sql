CREATE TABLE `api_signatures_seen` (
	`token_id` text NOT NULL,
	`signature` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`token_id`, `signature`)
);
--> statement-breakpoint
CREATE INDEX `api_signatures_seen_expiry` ON `api_signatures_seen` (`expires_at`);--> statement-breakpoint
CREATE TABLE `api_token_signing` (
	`token_id` text PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
