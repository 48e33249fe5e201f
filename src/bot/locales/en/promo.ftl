# Promo codes, gift codes and discounts.
reason-promo-refused = this promo code does not apply to this order.
history-promotion = Gift code
