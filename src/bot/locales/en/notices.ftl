notice-delivered-title = 🎉 Your order has been delivered.
notice-generic = There is news about your account. Open the menu with /start.
notice-export-hint = { $count } proxies: export them from My proxies in the format you need.
