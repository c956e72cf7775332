"""Experiments reproducing the lectures in ../shared/seeds/ on both backends."""
