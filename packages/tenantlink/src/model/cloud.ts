/** A national cloud, by name. */
export type CloudName = 'global' | 'usgov' | 'usgov-dod' | 'china';

/** A connection's or integration's cloud as stored: a national cloud, or a custom cloud's endpoints. */
export type Cloud = CloudName | { authorityHost: string; graphEndpoint: string };
