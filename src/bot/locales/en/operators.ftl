# Operator group: alerts and the buttons admins act on.
op-customer = Customer: { $name }, Telegram id { $telegramId }
op-customer-unknown = Customer: unknown (id { $id })
op-method-stars = Telegram Stars
op-method-cryptopay = Crypto Pay
op-method-manual = manual
op-manual-request = 🧾 <b>Manual top-up request: { $amount }</b>
op-note = Details: { $note }
op-topup-id = Top-up: { $id }
op-topup-received = 💰 <b>Top-up received: { $amount }</b> via { $method }
op-confirm = ✅ Confirm
op-reject = ❌ Reject
op-refund = ↩ Refund
op-back = « Back
op-state-created = waiting
op-state-paid = paid
op-state-credited = confirmed and credited
op-state-expired = expired
op-state-rejected = rejected
op-state-refunding = being refunded
op-state-refunded = refunded
op-already-decided = Already { $state }.
op-not-allowed = Only admins can do this, and only in the operators' group.
op-not-found = This top-up no longer exists.
op-done = Done.
op-confirmed-by = ✅ Confirmed by { $admin }; the wallet is credited.
op-reject-choose = Why is it rejected? The customer will see the reason.
op-reason-not-received = Payment not received
op-reason-amount-differs = The amount differs
op-reason-other = Other reason…
op-reject-ask-other = { $admin }, send the reason as your next message in this chat (or /cancel).
op-reject-cancelled = Rejection cancelled; the request is still waiting.
op-reject-recorded = Rejected; the customer has been told the reason.
op-rejected-by = ❌ Rejected by { $admin }: { $reason }
op-refund-confirm = Refund { $amount } ({ $stars } ⭐) to the customer? The money leaves their wallet first, then Telegram returns the Stars.
op-refund-yes = ↩ Yes, refund
op-refunding = Refunding…
op-refunded-by = ↩ Refunded by { $admin }; the Stars went back to the customer.
op-refund-spent = ⚠️ Cannot refund: the customer has already spent part of this top-up.
op-refund-refused = ⚠️ Telegram refused the refund; the money is back in the customer's wallet.
op-refund-unknown = ⚠️ Telegram did not answer. The refund is pending: check the bot's Stars transactions before doing anything else.
op-refund-not-possible = Cannot refund: the top-up is { $state }.
op-upstream-balance-low =
    ⚠️ <b>Our balance at { $provider } is too low.</b>
    Order { $order } ({ $amount }) failed; the customer's money was returned. Top up the { $provider } account.
op-upstream-auth-failed =
    ⚠️ <b>{ $provider } refused our API key.</b>
    Order { $order } ({ $amount }) failed; the customer's money was returned. Check the key in the settings.
op-order-attention = ⚠️ <b>Order needs attention:</b> { $order } at { $provider }, { $amount } held
op-why = Why: { $why }
op-stars-unmatched =
    ⚠️ <b>A Stars payment could not be credited.</b>
    { $stars } ⭐ from Telegram id { $telegramId }, charge { $charge }, payload { $payload } ({ $reason }).
    Credit the customer by hand or refund the payment.
op-order-check = 🔄 Check again now
op-order-settle-failed = ❌ Settle as failed
op-order-settle-delivered = ✅ Settle as delivered
op-order-checking = Asking the provider…
op-order-checked-open = 🔄 Checked by { $admin }: still unknown ({ $why }).
op-order-checked-delivered = ✅ Checked by { $admin }: the provider delivered; the customer has their proxies.
op-order-checked-failed = ❌ Checked by { $admin }: the provider has no such order ({ $reason }); the customer's money was returned.
op-order-confirm-failed = Settle as failed? The { $amount } held go back to the customer's wallet. Only do this when the provider confirms nothing was sold.
op-order-yes-failed = ❌ Yes, settle as failed
op-order-ask-upstream-id = { $admin }, send the { $provider } order id for { $order } as your next message in this chat (or /cancel).
op-order-bad-upstream-id = That is not an order id (letters, digits and _:.- only, up to 100). Send it again, or /cancel.
op-order-settle-cancelled = Cancelled; the order is still open.
op-order-no-upstream-id = Press "Settle as delivered" and send the upstream order id first.
op-order-confirm-delivered = Settle as delivered with upstream order { $upstream }? The customer is charged { $amount }; their proxies are fetched from the provider.
op-order-yes-delivered = ✅ Yes, settle as delivered
op-order-confirm-above = Confirm on the alert above.
op-order-settled-failed = ❌ Settled as failed by { $admin }; the customer's money was returned.
op-order-settled-delivered = ✅ Settled as delivered by { $admin } (upstream order { $upstream }); the customer was charged and told.
op-order-already-delivered = Already settled as delivered by { $by }.
op-order-already-failed = Already settled as failed by { $by }.
op-order-by-saga = the shop itself
op-order-now-delivered = ✅ This order has been delivered.
op-order-now-failed = ❌ This order has failed; the money was returned.
op-order-not-found = This order no longer exists.
