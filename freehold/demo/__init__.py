"""The demo brand, Northwind Supply Co.: generated data (`generate`) and its writer (`seed`)."""
