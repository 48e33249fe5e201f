# Команды операторов в группе операторов.
admin-help =
    <b>Команды операторов</b>
    /stats [часы] — продажи, маржа, кошельки, открытые заказы
    /markup — действующие правила наценки
    /markup &lt;провайдер|*&gt; &lt;продукт|*&gt; &lt;процент&gt; &lt;мин. маржа $&gt; — задать правило
    /refund &lt;id заказа&gt; &lt;сумма $|all&gt; &lt;причина&gt; — вернуть деньги за заказ
    /credit &lt;telegram id&gt; &lt;сумма $&gt; &lt;причина&gt; — изменить баланс (минус списывает)
    /debit &lt;telegram id&gt; &lt;сумма $&gt; &lt;причина&gt; — списать с кошелька, например после возврата платежа картой у провайдера
    /ledger — проверить инварианты учёта
admin-stats-usage = Формат: /stats [часы], например /stats 168 — за неделю.
admin-stats =
    <b>За { $hours } ч</b>
    Заказы: { $delivered } выполнено, { $failed } не удалось, { $open } открыто ({ $attention } требуют внимания)
    Продажи: { $sales } · закупка: { $cost } · возвраты: { $refunds }
    Маржа: <b>{ $margin }</b>
    Пополнения: { $topups }
    Сейчас в кошельках: { $wallets } · клиентов: { $customers }
admin-markup-none = Правил наценки пока нет: действует встроенное правило (30 %, не меньше $0.50 за единицу).
admin-markup-title = <b>Правила наценки</b> (побеждает самое точное)
admin-markup-usage = Формат: /markup &lt;провайдер|*&gt; &lt;продукт|*&gt; &lt;процент&gt; &lt;мин. маржа $&gt;, например /markup flashproxy * 25 0.30
admin-markup-set = Наценка для { $provider } / { $product } теперь { $percent } %, не меньше { $margin } за единицу. Новые цены считаются по ней.
admin-refund-usage = Формат: /refund &lt;id заказа&gt; &lt;сумма $|all&gt; &lt;причина&gt;, например /refund ord_abc 2.50 прокси тормозил
admin-no-order = Заказа { $order } нет.
admin-refund-done = Возвращено { $amount } за заказ { $order }. Баланс клиента теперь { $balance }.
admin-credit-usage = Формат: /credit &lt;telegram id&gt; &lt;сумма $&gt; &lt;причина&gt;, например /credit 12345 10 банковский перевод
admin-credit-done = Готово: { $amount }. Баланс клиента теперь { $balance }.
admin-refused = Отказано: { $reason }
admin-ledger-ok = ✅ Учёт сходится: деньги сохраняются, балансы совпадают с журналом, каждый заказ соответствует своему резерву.
admin-ledger-broken = ⚠️ Найдено проблем в учёте: { $count }
