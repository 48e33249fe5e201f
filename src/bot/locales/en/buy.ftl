buy-choose-provider = <b>Buy proxies</b> · step 1: choose a provider.
buy-provider-unavailable = { $name } (unavailable)
buy-sold-out = { $name } (sold out)
buy-unavailable-note = ⚠️ That option is unavailable right now. Please choose another one or try again later.
buy-no-providers = No providers are available right now. Please try again later.
buy-choose-product = <b>{ $provider }</b> · choose a product.
buy-choose-country = <b>{ $product }</b> · choose a country.
buy-choose-period = <b>{ $product }</b> · choose the rent period.
buy-choose-traffic = <b>{ $product }</b> · choose the traffic amount.
buy-choose-quantity =
    <b>{ $product }</b>, { $term } · how many proxies?
    Pick a number or send one from { $min } to { $max }.
buy-quantity-invalid = ⚠️ “{ $input }” is not a quantity I can use. Please send a whole number from { $min } to { $max }.
buy-quote-failed = ⚠️ We could not price this choice: { $reason } Please go back and choose something else, or try again later.
buy-cancelled = Purchase cancelled. Nothing was charged.
summary-title = <b>Your order</b>
summary-title-renewal = <b>Renewal</b>
summary-provider = Provider: { $provider }
summary-product = Product: { $product }
summary-country = Country: { $country }
summary-term = Term: { $term }
summary-quantity = Quantity: { $quantity }
summary-price = Price: <b>{ $price }</b>
summary-lock = The price is held until { $until }.
btn-confirm = ✅ Confirm · { $price }
# A free trial's price, on the summary and its button.
price-free = free
