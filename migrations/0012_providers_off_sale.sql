CREATE TABLE `providers_off_sale` (
	`provider_id` text PRIMARY KEY NOT NULL,
	`actor` text NOT NULL,
	`since` integer NOT NULL
);
