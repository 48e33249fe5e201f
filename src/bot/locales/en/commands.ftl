# The command menus registered with setMyCommands (bot/commands.ts).
command-start = Main menu
command-buy = Buy proxies
command-trial = Try a provider (once)
command-promo = Use a promo or gift code
command-support = Write to support
command-help = How it works and support
command-webhooks = Your webhooks
command-op-stats = Sales, margin, wallets, open orders
command-op-markup = Markup rules; set one
command-op-promo = Promo and gift codes: new, list, off
command-op-trial = Trials: set one (price or free), list, off
command-op-refund = Refund an order
command-op-credit = Credit or debit a wallet
command-op-ledger = Check the ledger
command-op-ops = Operator commands
