menu-title =
    <b>Proxy Storefront</b>
    Здравствуйте, { $name }! Ваш баланс: <b>{ $balance }</b>.
    Что вы хотите сделать?
menu-buy = 🛒 Купить прокси
menu-proxies = 📋 Мои прокси
menu-wallet = 💰 Кошелёк
menu-tokens = 🔑 API-токены
menu-language = 🌐 Язык
menu-help = ❓ Помощь
