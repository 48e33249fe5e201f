buy-choose-provider = <b>Покупка прокси</b> · шаг 1: выберите поставщика.
buy-provider-unavailable = { $name } (недоступен)
buy-sold-out = { $name } (нет в наличии)
buy-unavailable-note = ⚠️ Этот вариант сейчас недоступен. Выберите другой или попробуйте позже.
buy-no-providers = Сейчас нет доступных поставщиков. Пожалуйста, попробуйте позже.
buy-choose-product = <b>{ $provider }</b> · выберите продукт.
buy-choose-country = <b>{ $product }</b> · выберите страну.
buy-choose-period = <b>{ $product }</b> · выберите срок аренды.
buy-choose-traffic = <b>{ $product }</b> · выберите объём трафика.
buy-choose-quantity =
    <b>{ $product }</b>, { $term } · сколько прокси?
    Выберите число или отправьте его сообщением: от { $min } до { $max }.
buy-quantity-invalid = ⚠️ «{ $input }» не подходит как количество. Отправьте целое число от { $min } до { $max }.
buy-quote-failed = ⚠️ Не удалось рассчитать цену: { $reason } Вернитесь и выберите другой вариант или попробуйте позже.
buy-cancelled = Покупка отменена. Деньги не списаны.
summary-title = <b>Ваш заказ</b>
summary-title-renewal = <b>Продление</b>
summary-provider = Поставщик: { $provider }
summary-product = Продукт: { $product }
summary-country = Страна: { $country }
summary-term = Срок: { $term }
summary-quantity = Количество: { $quantity }
summary-price = Цена: <b>{ $price }</b>
summary-lock = Цена закреплена до { $until }.
btn-confirm = ✅ Подтвердить · { $price }
# A free trial's price, on the summary and its button.
price-free = бесплатно
