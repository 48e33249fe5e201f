notice-delivered-title = 🎉 Your order has been delivered.
notice-generic = There is news about your account. Open the menu with /start.
notice-export-hint = { $count } proxies: export them from My proxies in the format you need.
notice-open-proxy = Open the proxy
notice-expiry =
    ⏳ Your proxy { $product } ({ $host }) expires on { $expires } — in { $days } day(s).
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
