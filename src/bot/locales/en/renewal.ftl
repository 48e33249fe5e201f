auto-renew-choose-default =
    🔁 <b>Auto-renew</b> for { $product }
    A day before it expires, the shop renews it from your wallet for the term you pick, at that day's price.
    Today: { $term } for { $price }. Pick a term to turn it on:
auto-renew-choose =
    🔁 <b>Auto-renew</b> for { $product }
    A day before it expires, the shop renews it from your wallet for the term you pick, at that day's price.
    Pick a term to turn it on:
auto-renew-now-on = ✅ Auto-renew is on: { $term }, today { $price }, taken from your wallet a day before it expires.
auto-renew-not-offered = This proxy does not expire by date, so there is nothing to renew automatically.
proxy-topup-traffic-choose = <b>{ $product }</b> · how much traffic to add?
notice-auto-renewed-for-term =
    ✅ Your proxy { $product } ({ $host }) was renewed automatically for { $term }: { $price } was taken from your wallet, because auto-renew is on for it.
    It now runs until { $expires }.
notice-auto-renew-term-gone =
    ⚠️ We could not renew your proxy { $product } ({ $host }) automatically: the term you chose for auto-renew is no longer offered.
    Open its card to pick another term or renew it by hand before { $expires }.
notice-expiry-at =
    ⏳ Your proxy { $product } ({ $host }) expires at { $at } — in { $hours ->
        [one] { $hours } hour
       *[other] { $hours } hours
    }.
    Renew it from its card to keep it.
notice-expiry-at-auto =
    ⏳ Your proxy { $product } ({ $host }) expires at { $at } — in { $hours ->
        [one] { $hours } hour
       *[other] { $hours } hours
    } — and will be renewed automatically.
    Please keep enough money on your wallet (now { $balance }).
order-traffic-added = ✅ <b>Traffic added:</b> { $term } to { $product }.
