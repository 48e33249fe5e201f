CREATE TABLE `referral_codes` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_codes_code_unique` ON `referral_codes` (`code`);--> statement-breakpoint
CREATE TABLE `referral_rewards` (
	`order_id` text PRIMARY KEY NOT NULL,
	`referrer_user_id` integer NOT NULL,
	`referee_user_id` integer NOT NULL,
	`purchase_cents` integer NOT NULL,
	`reward_cents` integer NOT NULL,
	`reversed_cents` integer DEFAULT 0 NOT NULL,
	`unrecovered_cents` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`referrer_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`referee_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "referral_reward_positive" CHECK("referral_rewards"."reward_cents" > 0),
	CONSTRAINT "referral_reversal_within_reward" CHECK("referral_rewards"."reversed_cents" >= 0 AND "referral_rewards"."unrecovered_cents" >= 0 AND "referral_rewards"."reversed_cents" + "referral_rewards"."unrecovered_cents" <= "referral_rewards"."reward_cents")
);
--> statement-breakpoint
CREATE INDEX `referral_rewards_by_referrer` ON `referral_rewards` (`referrer_user_id`);--> statement-breakpoint
CREATE TABLE `referrals` (
	`referee_user_id` integer PRIMARY KEY NOT NULL,
	`referrer_user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`referee_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`referrer_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "referral_not_self" CHECK("referrals"."referee_user_id" <> "referrals"."referrer_user_id")
);
--> statement-breakpoint
CREATE INDEX `referrals_by_referrer` ON `referrals` (`referrer_user_id`);