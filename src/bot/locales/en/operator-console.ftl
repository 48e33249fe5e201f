# /broadcast: composing, choosing the audience, confirming, progress and report
bc-ask-text =
    📣 <b>New broadcast</b>
    Send the message customers should get. Bold, italic, links and the other Telegram formatting are kept.
    /cancel stops.
bc-too-long = The message is too long: Telegram allows { $max } characters. Send a shorter one, or /cancel.
bc-ask-button =
    Add a button with a link? Send it as <code>Label | https://example.com</code>, or press “No button”.
bc-no-button = No button
bc-button-usage = That is not a button. Send <code>Label | https://example.com</code> (an http or https link), or /cancel.
bc-preview-title = 👀 <b>Preview</b> — customers will see the next message exactly like this:
bc-choose-audience = Who should receive it?
bc-audience-everyone = Everyone
bc-audience-active = With active proxies
bc-audience-language = Language: { $language }
bc-audience-provider = Proxies from { $provider }
bc-cancel = ✖ Cancel
bc-back = « Back
bc-confirm-question =
    Audience: <b>{ $audience }</b> — { $count } { $count ->
        [one] customer
       *[other] customers
    }.
    Send the broadcast now?
bc-confirm-send = 📣 Send to { $count }
bc-empty-audience = Audience: <b>{ $audience }</b> — nobody matches. Choose another.
bc-cancelled = Broadcast cancelled; nothing was sent.
bc-already = This broadcast was { $state } already.
bc-state-sending = sent
bc-state-finished = sent
bc-state-cancelled = cancelled
bc-state-draft = not sent yet
bc-not-found = That broadcast is gone.
bc-progress =
    📣 <b>Broadcast { $id }</b> — sending
    Delivered { $delivered } of { $recipients } · blocked { $blocked } · failed { $failed } · waiting { $pending }
bc-report =
    📣 <b>Broadcast { $id } finished</b>
    Delivered: { $delivered } of { $recipients }
    Blocked the bot: { $blocked } (marked unreachable)
    Failed: { $failed }
bc-queued = Queued for { $count } { $count ->
        [one] customer
       *[other] customers
    }. Progress follows.

# Alerts added by the operator console
oa-balance-below =
    🪫 <b>Low balance at { $provider }: { $balance }</b>
    Below the threshold of { $threshold }. Top it up before orders start failing.
oa-balance-recovered =
    🔋 <b>Balance at { $provider } recovered: { $balance }</b>
    Back at or above the threshold of { $threshold }.
oa-folded-title = ⏱ <b>{ $total } more alerts in the last minute</b> (not sent one by one so the group stays readable):
oa-folded-line = • { $count } more: { $what }
oa-folded-orders = The first orders are below; each button shows its alert with the buttons to settle it.
oa-kind-order_needs_attention = orders that need attention
oa-kind-topup_received = top-ups received
oa-kind-upstream_balance_low = orders refused for our low upstream balance
oa-kind-upstream_auth_failed = orders refused because an upstream rejected our key
oa-kind-stars_payment_unmatched = unmatched Stars payments
oa-kind-upstream_balance_below = upstream balances below their threshold
oa-kind-upstream_balance_recovered = upstream balances recovered
oa-kind-other = other alerts ({ $kind })
