help-text =
    <b>How it works</b>
    1. Top up your wallet (Wallet → Top up).
    2. Buy proxies: choose a provider, product, country, period and quantity, then confirm the price.
    3. Your credentials arrive right away; find them any time under My proxies, in the format your software needs.
    Money is held while an order is placed and returned at once if the provider fails.
help-support = Support: { $contact }
help-support-none = Support: write to the shop's operators.
