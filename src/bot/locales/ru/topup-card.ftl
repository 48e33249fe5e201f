# Пополнение картой через Telegram Payments.
card-label = 💳 Банковская карта
card-title = <b>Пополнение картой</b>
card-rate = Оплата в { $currency }: { $amount } стоит { $price }.
card-invoice-title = Пополнение кошелька
card-invoice-description = Зачисляет { $amount } на ваш кошелёк в Proxy Storefront.
card-invoice-label = Пополнение { $amount }
card-refused-invalid = Этот счёт недействителен. Начните новое пополнение в боте.
card-refused-used = Этот счёт уже оплачен. Начните новое пополнение в боте.
card-refused-expired = Срок этого счёта истёк. Начните новое пополнение в боте.
card-refused-changed = Сумма этого счёта изменилась. Начните новое пополнение в боте.
card-paid-unmatched = Мы получили ваш платёж, но не смогли автоматически зачислить его на кошелёк. Операторы уже знают и разберутся.
topup-method-card = банковская карта
op-method-card = банковская карта (Telegram Payments)
op-card-refund-manual = Платёж картой нельзя вернуть через Telegram: верните платёж { $charge } в кабинете платёжного провайдера, затем запишите возврат здесь командой <code>/debit { $telegramId } { $amount } card refund</code>.
op-card-unmatched =
    ⚠️ <b>Платёж картой не удалось зачислить.</b>
    { $price } от Telegram id { $telegramId }, платёж { $charge }, платёж у провайдера { $providerCharge }, payload { $payload } ({ $reason }).
    Зачислите клиенту вручную (/credit) или верните платёж в кабинете провайдера.
admin-debit-usage = Формат: /debit &lt;telegram id&gt; &lt;сумма $&gt; &lt;причина&gt;, например /debit 12345 10 card refund — списывает деньги с кошелька (не ниже нуля), например после возврата платежа картой у провайдера.
