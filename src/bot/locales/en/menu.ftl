menu-title =
    <b>Proxy Storefront</b>
    Hello, { $name }! Your balance: <b>{ $balance }</b>.
    What would you like to do?
menu-buy = 🛒 Buy proxies
menu-proxies = 📋 My proxies
menu-wallet = 💰 Wallet
menu-tokens = 🔑 API tokens
menu-language = 🌐 Language
menu-help = ❓ Help
