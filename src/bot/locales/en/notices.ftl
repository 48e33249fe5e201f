notice-delivered-title = 🎉 Your order has been delivered.
notice-generic = There is news about your account. Open the menu with /start.
notice-export-hint = { $count } proxies: export them from My proxies in the format you need.
notice-open-proxy = Open the proxy
notice-expiry =
    ⏳ Your proxy { $product } ({ $host }) expires on { $expires } — in { $days ->
        [one] { $days } day
       *[other] { $days } days
    }.
    Renew it from its card to keep it.
notice-expiry-auto =
    ⏳ Your proxy { $product } ({ $host }) expires on { $expires } and will be renewed automatically.
    Please keep enough money on your wallet (now { $balance }).
notice-auto-renewed = ✅ Your proxy { $product } ({ $host }) was renewed automatically for { $price }. It now runs until { $expires }.
notice-auto-renew-no-funds =
    ⚠️ We could not renew your proxy { $product } ({ $host }) automatically: your wallet has { $balance }.
    Top up before { $expires } to keep it.
notice-auto-renew-failed =
    ⚠️ We could not renew your proxy { $product } ({ $host }) automatically: the provider is unavailable. We will try again; you can also renew it from its card.
notice-order-provisioning =
    ⏳ Your order { $items } is still being confirmed by the provider.
    Your { $price } are held, not charged. We will tell you the outcome here: your proxies, or your money back.
notice-order-still-open =
    ⏳ Your order { $items } is still being confirmed — it is taking longer than usual, and a person at the shop is looking into it.
    Your { $price } are still held, not charged. We will tell you the outcome here: your proxies, or your money back.
notice-order-settled-delivered =
    ✅ Your order { $items } is confirmed: the provider delivered it, and { $price } were charged.
    Your proxies will appear in My proxies as soon as the provider lists them; we will send them here too.
