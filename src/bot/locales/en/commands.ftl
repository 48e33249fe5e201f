# The command menus registered with setMyCommands (bot/commands.ts).
command-start = Main menu
command-buy = Buy proxies
command-support = Write to support
command-help = How it works and support
command-webhooks = Your webhooks
command-op-stats = Sales, margin, wallets, open orders
command-op-markup = Markup rules; set one
command-op-refund = Refund an order
command-op-credit = Credit or debit a wallet
command-op-ledger = Check the ledger
command-op-ops = Operator commands
