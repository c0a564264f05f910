# The emulated 16550A (src/hvm/vuart.c, vuart_model.c): register checks by polling.
list(APPEND GUESTS uart_model)
