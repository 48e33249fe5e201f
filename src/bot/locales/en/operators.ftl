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
