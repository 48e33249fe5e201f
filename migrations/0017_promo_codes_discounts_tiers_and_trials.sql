CREATE TABLE `gift_redemptions` (
	`code` text NOT NULL,
	`user_id` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`code`, `user_id`),
	FOREIGN KEY (`code`) REFERENCES `promo_codes`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `order_discounts` (
	`order_id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`promo_code` text,
	`list_price_cents` integer NOT NULL,
	`tier_discount_cents` integer NOT NULL,
	`promo_discount_cents` integer NOT NULL,
	`state` text NOT NULL,
	`trial_provider_id` text,
	`reversed_cents` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`promo_code`) REFERENCES `promo_codes`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "order_discount_sane" CHECK("order_discounts"."tier_discount_cents" >= 0 AND "order_discounts"."promo_discount_cents" >= 0)
);
--> statement-breakpoint
CREATE INDEX `order_discounts_code_state` ON `order_discounts` (`promo_code`,`state`);--> statement-breakpoint
CREATE INDEX `order_discounts_code_user` ON `order_discounts` (`promo_code`,`user_id`,`state`);--> statement-breakpoint
CREATE INDEX `order_discounts_trial_user` ON `order_discounts` (`trial_provider_id`,`user_id`,`state`);--> statement-breakpoint
CREATE TABLE `price_tiers` (
	`provider_id` text NOT NULL,
	`product_id` text NOT NULL,
	`kind` text NOT NULL,
	`threshold` integer NOT NULL,
	`discount_basis_points` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`provider_id`, `product_id`, `kind`, `threshold`),
	CONSTRAINT "price_tier_sane" CHECK("price_tiers"."threshold" >= 1 AND "price_tiers"."discount_basis_points" BETWEEN 1 AND 5000)
);
--> statement-breakpoint
CREATE TABLE `promo_codes` (
	`code` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`percent_basis_points` integer,
	`amount_cents` integer,
	`min_order_cents` integer DEFAULT 0 NOT NULL,
	`provider_id` text,
	`product_id` text,
	`first_purchase_only` integer DEFAULT false NOT NULL,
	`total_limit` integer,
	`per_customer_limit` integer DEFAULT 1 NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`disabled_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	CONSTRAINT "promo_code_shape" CHECK(("promo_codes"."kind" = 'gift' AND "promo_codes"."amount_cents" > 0 AND "promo_codes"."percent_basis_points" IS NULL)
        OR ("promo_codes"."kind" = 'discount' AND (("promo_codes"."percent_basis_points" BETWEEN 1 AND 10000 AND "promo_codes"."amount_cents" IS NULL)
          OR ("promo_codes"."amount_cents" > 0 AND "promo_codes"."percent_basis_points" IS NULL)))),
	CONSTRAINT "promo_code_limits" CHECK("promo_codes"."min_order_cents" >= 0 AND "promo_codes"."per_customer_limit" >= 1 AND ("promo_codes"."total_limit" IS NULL OR "promo_codes"."total_limit" >= 1))
);
--> statement-breakpoint
CREATE TABLE `quote_discounts` (
	`quote_id` text PRIMARY KEY NOT NULL,
	`list_price_cents` integer NOT NULL,
	`tier_discount_cents` integer NOT NULL,
	`promo_code` text,
	`promo_discount_cents` integer NOT NULL,
	`trial_provider_id` text,
	FOREIGN KEY (`quote_id`) REFERENCES `quotes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`promo_code`) REFERENCES `promo_codes`(`code`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "quote_discount_sane" CHECK("quote_discounts"."tier_discount_cents" >= 0 AND "quote_discounts"."promo_discount_cents" >= 0)
);
--> statement-breakpoint
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
