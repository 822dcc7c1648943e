/** The current time, ticking once a second, for elapsed times and "in 2 min". */

class Clock {
  now = $state(Date.now());
  constructor() {
    if (typeof window !== 'undefined') setInterval(() => (this.now = Date.now()), 1000);
  }
}

export const clock = new Clock();
