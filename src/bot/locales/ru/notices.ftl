notice-delivered-title = 🎉 Ваш заказ выполнен.
notice-generic = Есть новости по вашему аккаунту. Откройте меню командой /start.
notice-export-hint = Прокси: { $count }. Выгрузите их в разделе «Мои прокси» в нужном формате.
