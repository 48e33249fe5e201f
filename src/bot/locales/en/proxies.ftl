proxies-title = <b>My proxies</b> ({ $total })
proxies-empty = You have no proxies yet.
proxies-export-all = 📄 Export all proxies
proxies-back-to-list = « My proxies
proxies-back-to-card = « The proxy
proxy-country = Country: { $country }
proxy-host = Host: { $host }
proxy-ports = Ports: { $ports }
proxy-protocols = Protocols: { $protocols }
proxy-traffic = Traffic: { $gb } GB
proxy-linked-order = ➕ Added { $gb } GB: { $credentials }
proxy-linked-order-unsized = ➕ Added traffic: { $credentials }
proxy-no-expiry = Does not expire by date
proxy-expires = Expires: { $date } ({ $days ->
        [0] today
        [one] in { $days } day
       *[other] in { $days } days
    })
proxy-expires-at = Expires: { $at } (in less than a day)
proxy-expired-on = Expired on { $date }
proxy-status-active = Status: active
proxy-status-expired = Status: expired
proxy-status-cancelled = Status: cancelled
proxy-status-pending = Status: being set up
proxy-auto-renew-on = Auto-renew: on
proxy-auto-renew-off = Auto-renew: off
proxy-btn-credentials = 🔐 Credentials
proxy-btn-renew = 🔁 Renew
proxy-btn-auto-renew-on = Turn auto-renew on
proxy-btn-auto-renew-off = Turn auto-renew off
proxy-btn-change-credentials = 🔑 Change credentials
proxy-btn-rotate = 🔄 Rotate IP
proxy-btn-location = 🌍 Change location
proxy-btn-usage = 📊 Usage
proxy-auto-renew-now-on = ✅ Auto-renew is on: the proxy renews from your balance before it expires.
proxy-auto-renew-now-off = Auto-renew is off.
proxy-renew-choose = <b>{ $product }</b> · renew for how long?
proxy-renew-none = This proxy has no renewal options right now.
proxy-change-credentials-confirm = New login and password? The current ones stop working at once.
proxy-change-credentials-yes = Yes, change them
proxy-credentials-changed = ✅ New credentials:
proxy-rotated = ✅ The IP was rotated.
proxy-usage-used = Used: { $gb } GB
proxy-usage-total = Total: { $gb } GB
proxy-usage-remaining = Remaining: { $gb } GB
proxy-location-choose = Choose the new location:
proxy-location-switched = ✅ Moved to { $location }.
proxy-action-failed = ⚠️ That did not work: { $reason }
