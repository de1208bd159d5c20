<?php
declare(strict_types=1);

namespace Sample;

final class OrderNotFound extends \RuntimeException
{
}

/** An in-memory order store: one known order, so most ids exercise the not-found path. */
final class OrderRepository
{
    private const ORDERS = [42 => ['id' => 42, 'total' => 1999, 'currency' => 'JPY']];

    /** @return array{id: int, total: int, currency: string} */
    public function find(int $id): array
    {
        return self::ORDERS[$id] ?? throw new OrderNotFound("order $id does not exist");
    }
}
