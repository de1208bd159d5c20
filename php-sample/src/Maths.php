<?php
declare(strict_types=1);

namespace Sample;

final class Maths
{
    /** Naive on purpose: fib(10) makes 177 calls, so function probes have something to count. */
    public static function fib(int $n): int
    {
        return $n < 2 ? $n : self::fib($n - 1) + self::fib($n - 2);
    }
}
