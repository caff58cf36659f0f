-- The register that sent each of the register's (POS) orders.
--
-- The identity the register authenticated with, as the terminal's register API names it
-- (its client certificate's subject, or that it presented the API key, never the key
-- itself): a register reads, cancels, voids and refunds only its own orders, and is never
-- answered with another register's. Orders journaled before this column have none (NULL)
-- and stay readable by every register, as they were.
ALTER TABLE pos_orders ADD COLUMN register TEXT;
