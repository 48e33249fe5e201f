# The trial as customers find it: the main menu, the product list, the summary and the delivery.
trial-btn-free = 🎁 Free trial
trial-btn-priced = 🎁 Trial for { $price }
trial-btn-of = { $label } · { $provider }
trial-btn-after-top-up = { $label } (after a top-up)
trial-top-up-first = 🎁 The trial is for customers who have topped up their wallet before. Top up any amount, and the trial is yours to take.
trial-gone = The trial is no longer available to you.
trial-not-in-catalog = The trial cannot be bought right now: its product is not on sale.
trial-term = trial, { $term }
trial-term-set-by-provider = trial, length set by the provider (at most { $term })
order-trial-ends = The trial ends: <b>{ $until }</b>.
trial-code = trial
trial-op-no-upstream-trial = { $provider } documents no trial of its own: name a product and a term instead.
