# Promo codes, gift codes and discounts.
reason-promo-refused = this promo code does not apply to this order.
history-promotion = Gift code

## Customers
promo-usage = Send /promo followed by the code, e.g. /promo SPRING
promo-saved = Promo code <b>{ $code }</b> saved: it will be applied to your next purchase.
promo-gift-credited = 🎁 Gift code applied: { $amount } added to your wallet. Balance: { $balance }.
promo-refused = This code cannot be used: { $reason }
promo-refusal-unknown-code = there is no such code.
promo-refusal-not-started = it is not valid yet.
promo-refusal-expired = it has expired.
promo-refusal-disabled = it has been switched off.
promo-refusal-exhausted = it has been used up.
promo-refusal-already-used = you have used it already.
promo-refusal-out-of-scope = it does not apply to this product.
promo-refusal-below-minimum = the order is below its minimum.
promo-refusal-not-first-purchase = it is for a first purchase only.
promo-refusal-wrong-kind = it cannot be used here.
promo-not-applied = Promo code <b>{ $code }</b> was not applied: { $reason }.
promo-ask = Send your promo code as a message.
btn-promo-code = 🎟 Promo code
summary-discount = List price: <s>{ $list }</s> · discount: −{ $off } (code: { $code })
buy-tier-label = { $label } (−{ $percent }%)

## Operators
admin-stats-promotions = Discounts: { $discounts } on { $orders } orders · gifts: { $gifts } ({ $redeemed } redeemed)
promo-op-none = No promo codes yet. Create one with /promo new.
promo-op-title = <b>Promo codes</b> (uses: captured + held / total, per customer)
promo-op-gift = gift
promo-op-first = first purchase
promo-op-uses = uses { $used }+{ $reserved }/{ $total }, { $per } per customer
promo-op-off = switched off
promo-op-usage = Usage: /promo list · /promo off &lt;CODE&gt; · /promo new &lt;CODE&gt; &lt;N%|$N&gt; [min=$N] [provider=id] [product=id] [first] [total=N] [per=N] [from=YYYY-MM-DD] [until=YYYY-MM-DD] · /promo gift &lt;CODE&gt; &lt;$N|free&gt; [total=N] [until=YYYY-MM-DD]
promo-op-created = Code <code>{ $code }</code> created. Link: <code>t.me/&lt;bot&gt;?{ $link }</code>
promo-op-disabled = Code { $code } switched off: no new uses.
promo-op-not-found = No active code { $code }.
promo-op-refused = Refused: { $reason }
tier-op-none = No volume or period discounts.
tier-op-title = <b>Volume and period discounts</b>
tier-op-from-qty = from { $n } IPs
tier-op-from-days = from { $n } days
tier-op-usage = Usage: /tier &lt;provider|*&gt; &lt;product|*&gt; &lt;qty|days&gt; &lt;from&gt; &lt;percent|off&gt;, e.g. /tier * * qty 10 5
tier-op-set = Discount set. New quotes use it.
tier-op-removed = Discount removed.

## Trials
trial-none = There is no trial right now.
trial-title = 🎁 <b>Trial</b>: once per customer.
trial-unavailable = The trial is not available to you: { $reason }
trial-op-none = No trials. Set one with /trial &lt;provider&gt; &lt;product&gt; &lt;term&gt; &lt;$N|free&gt;.
trial-op-title = <b>Trials</b> (one per provider)
trial-op-topped-up = only after a top-up
trial-op-usage = Usage: /trial &lt;provider&gt; &lt;product&gt; &lt;term&gt; &lt;$N|free&gt; [country=XX] [topped-up] · /trial &lt;provider&gt; upstream &lt;$N|free&gt; (the upstream's own trial, where it documents one) · /trial off &lt;provider&gt;
trial-op-set = The trial of { $provider } is set at { $price }.
trial-op-removed = Trial removed.
