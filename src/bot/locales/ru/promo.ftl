# Промокоды, подарочные коды и скидки.
reason-promo-refused = этот промокод не подходит для этого заказа.
history-promotion = Подарочный код

## Покупатели
promo-usage = Отправьте /promo и код, например /promo SPRING
promo-saved = Промокод <b>{ $code }</b> сохранён: он будет применён к следующей покупке.
promo-gift-credited = 🎁 Подарочный код применён: на кошелёк зачислено { $amount }. Баланс: { $balance }.
promo-refused = Этот код нельзя использовать: { $reason }
promo-refusal-unknown-code = такого кода нет.
promo-refusal-not-started = он ещё не действует.
promo-refusal-expired = срок его действия истёк.
promo-refusal-disabled = он отключён.
promo-refusal-exhausted = он уже исчерпан.
promo-refusal-already-used = вы его уже использовали.
promo-refusal-out-of-scope = он не действует на этот товар.
promo-refusal-below-minimum = сумма заказа меньше минимальной для него.
promo-refusal-not-first-purchase = он только для первой покупки.
promo-refusal-wrong-kind = здесь его использовать нельзя.
promo-not-applied = Промокод <b>{ $code }</b> не применён: { $reason }.
promo-ask = Отправьте промокод сообщением.
btn-promo-code = 🎟 Промокод
summary-discount = Цена без скидки: <s>{ $list }</s> · скидка: −{ $off } (код: { $code })
buy-tier-label = { $label } (−{ $percent }%)

## Операторы
admin-stats-promotions = Скидки: { $discounts } по { $orders } заказам · подарки: { $gifts } (активировано { $redeemed })
promo-op-none = Промокодов пока нет. Создайте: /promo new.
promo-op-title = <b>Промокоды</b> (использования: оплачено + удержано / всего, на покупателя)
promo-op-gift = подарок
promo-op-first = первая покупка
promo-op-uses = использовано { $used }+{ $reserved }/{ $total }, { $per } на покупателя
promo-op-off = отключён
promo-op-usage = Использование: /promo list · /promo off &lt;КОД&gt; · /promo new &lt;КОД&gt; &lt;N%|$N&gt; [min=$N] [provider=id] [product=id] [first] [total=N] [per=N] [from=ГГГГ-ММ-ДД] [until=ГГГГ-ММ-ДД] · /promo gift &lt;КОД&gt; &lt;$N|free&gt; [total=N] [until=ГГГГ-ММ-ДД]
promo-op-created = Код <code>{ $code }</code> создан. Ссылка: <code>t.me/&lt;бот&gt;?{ $link }</code>
promo-op-disabled = Код { $code } отключён: новых использований не будет.
promo-op-not-found = Активного кода { $code } нет.
promo-op-refused = Отказано: { $reason }
tier-op-none = Скидок за объём и срок нет.
tier-op-title = <b>Скидки за объём и срок</b>
tier-op-from-qty = от { $n } IP
tier-op-from-days = от { $n } дней
tier-op-usage = Использование: /tier &lt;провайдер|*&gt; &lt;товар|*&gt; &lt;qty|days&gt; &lt;от&gt; &lt;процент|off&gt;, например /tier * * qty 10 5
tier-op-set = Скидка установлена. Новые цены её учитывают.
tier-op-removed = Скидка удалена.

## Пробные заказы
trial-none = Сейчас пробного заказа нет.
trial-title = 🎁 <b>Пробный заказ</b>: один раз на покупателя.
trial-unavailable = Пробный заказ вам недоступен: { $reason }
trial-op-none = Пробных заказов нет. Задайте: /trial &lt;провайдер&gt; &lt;товар&gt; &lt;срок&gt; &lt;$N|free&gt;.
trial-op-title = <b>Пробные заказы</b> (по одному на провайдера)
trial-op-topped-up = только после пополнения
trial-op-usage = Использование: /trial &lt;провайдер&gt; &lt;товар&gt; &lt;срок&gt; &lt;$N|free&gt; [country=XX] [topped-up] · /trial &lt;провайдер&gt; upstream &lt;$N|free&gt; (собственный пробный заказ провайдера, где он описан) · /trial off &lt;провайдер&gt;
trial-op-set = Пробный заказ у { $provider } стоит { $price }.
trial-op-removed = Пробный заказ удалён.
