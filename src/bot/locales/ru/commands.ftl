# Меню команд, регистрируемые через setMyCommands (bot/commands.ts).
command-start = Главное меню
command-buy = Купить прокси
command-trial = Попробовать провайдера (один раз)
command-promo = Ввести промокод или подарочный код
command-support = Написать в поддержку
command-help = Как всё устроено и поддержка
command-webhooks = Ваши вебхуки
command-op-stats = Продажи, маржа, кошельки, открытые заказы
command-op-markup = Правила наценки; задать правило
command-op-promo = Промокоды и подарочные коды: new, list, off
command-op-trial = Пробные заказы: задать (цена или free), список, off
command-op-refund = Вернуть деньги за заказ
command-op-credit = Зачислить или списать с кошелька
command-op-ledger = Проверить журнал
command-op-ops = Команды операторов
