CREATE TABLE `trial_offers` (
	`provider_id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`term_id` text NOT NULL,
	`country_code` text,
	`price_cents` integer NOT NULL,
	`requires_top_up` integer DEFAULT false NOT NULL,
	`set_by` text NOT NULL,
	`set_at` integer NOT NULL,
	CONSTRAINT "trial_price_positive" CHECK("trial_offers"."price_cents" > 0)
);
--> statement-breakpoint
ALTER TABLE `order_discounts` ADD `trial_provider_id` text;--> statement-breakpoint
CREATE INDEX `order_discounts_trial_user` ON `order_discounts` (`trial_provider_id`,`user_id`,`state`);--> statement-breakpoint
ALTER TABLE `quote_discounts` ADD `trial_provider_id` text;