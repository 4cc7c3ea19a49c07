package dev.sqlitebackup.benchmarks;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;

import org.sqlite.SQLiteConfig;

/**
 * Builds the {@code text} profile: a deterministic SQLite database of ordinary application rows
 * and nothing else, of about a given size. A product catalogue; customers with names, e-mail
 * addresses and street addresses from small word lists and their preferences as JSON; orders with
 * their shipping address and line items as JSON documents (the same keys in every row); product
 * reviews written from a vocabulary of a few hundred words; and an event log of a dozen kinds of
 * message with a JSON context per event. Timestamps are ISO-8601 text or epoch milliseconds,
 * amounts integer cents, and every table has indexes like an application's. There are no blobs
 * and no random bytes; the only random-looking values are the kind applications have too: each
 * order's public id (a UUID) and the session id in the event log's context.
 */
final class TextDatabaseGenerator {

	/** Bumped whenever the content changes, so that cached files are rebuilt. */
	static final int VERSION = 1;

	private static final long SEED = 20261125L;

	private static final int PRODUCTS = 2_000;

	/** 2023-01-01T00:00:00Z: every table shares one clock that moves forward with the event log. */
	private static final long EPOCH_MILLIS = 1_672_531_200_000L;

	private final SplittableRandom random = new SplittableRandom(SEED);

	private final List<Customer> customers = new ArrayList<>();

	private final Session[] sessions = new Session[8];

	private long clockMillis = EPOCH_MILLIS;

	private long orders;

	private long reviews;

	private long events;

	private TextDatabaseGenerator() {
	}

	static void build(Path file, long targetBytes) throws SQLException {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.OFF);
		config.setSynchronous(SQLiteConfig.SynchronousMode.OFF);
		// The e-mail and customer indexes are filled in random order: a large page cache keeps them in memory.
		config.setCacheSize(-256 * 1024);
		try (Connection connection = config.createConnection("jdbc:sqlite:" + file);
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE product (id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, "
					+ "name TEXT NOT NULL, category TEXT NOT NULL, price_cents INTEGER NOT NULL, "
					+ "description TEXT NOT NULL, attributes TEXT NOT NULL)");
			statement.execute("CREATE INDEX product_category ON product (category)");
			statement.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
					+ "first_name TEXT NOT NULL, last_name TEXT NOT NULL, phone TEXT NOT NULL, created TEXT NOT NULL, "
					+ "address TEXT NOT NULL, preferences TEXT NOT NULL)");
			statement.execute("CREATE INDEX customer_name ON customer (last_name, first_name)");
			statement.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, public_id TEXT NOT NULL UNIQUE, "
					+ "customer_id INTEGER NOT NULL, status TEXT NOT NULL, currency TEXT NOT NULL, "
					+ "total_cents INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, "
					+ "shipping_address TEXT NOT NULL, items TEXT NOT NULL)");
			statement.execute("CREATE INDEX orders_customer ON orders (customer_id, created)");
			statement.execute("CREATE INDEX orders_status ON orders (status)");
			statement.execute("CREATE TABLE review (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL, "
					+ "customer_id INTEGER NOT NULL, rating INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, "
					+ "created TEXT NOT NULL)");
			statement.execute("CREATE INDEX review_product ON review (product_id, created)");
			statement.execute("CREATE TABLE event_log (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, "
					+ "level TEXT NOT NULL, kind TEXT NOT NULL, customer_id INTEGER, message TEXT NOT NULL, "
					+ "context TEXT NOT NULL)");
			statement.execute("CREATE INDEX event_log_ts ON event_log (ts)");
			statement.execute("CREATE INDEX event_log_customer ON event_log (customer_id, ts)");
			connection.setAutoCommit(false);
			new TextDatabaseGenerator().fill(connection, targetBytes);
			connection.setAutoCommit(true);
			statement.execute("ANALYZE");
		}
	}

	private void fill(Connection connection, long targetBytes) throws SQLException {
		try (PreparedStatement product = connection.prepareStatement("INSERT INTO product VALUES (?, ?, ?, ?, ?, ?, ?)");
				PreparedStatement customer = connection
					.prepareStatement("INSERT INTO customer VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
				PreparedStatement order = connection
					.prepareStatement("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
				PreparedStatement review = connection.prepareStatement("INSERT INTO review VALUES (?, ?, ?, ?, ?, ?, ?)");
				PreparedStatement event = connection.prepareStatement("INSERT INTO event_log VALUES (?, ?, ?, ?, ?, ?, ?)")) {
			for (int id = 1; id <= PRODUCTS; id++) {
				addProduct(product, id);
			}
			product.executeBatch();
			connection.commit();
			while (sizeOf(connection) < targetBytes) {
				// One chunk is about 4 MB: about 40% event log, 30% orders, 10% each customers and reviews, and indexes.
				for (int i = 0; i < 1_000; i++) {
					addCustomer(customer);
				}
				customer.executeBatch();
				for (int i = 0; i < 2_000; i++) {
					addOrder(order);
				}
				order.executeBatch();
				for (int i = 0; i < 1_000; i++) {
					addReview(review);
				}
				review.executeBatch();
				for (int i = 0; i < 5_000; i++) {
					addEvent(event);
				}
				event.executeBatch();
				connection.commit();
			}
		}
	}

	// ------------------------------------------------------------------ rows

	private void addProduct(PreparedStatement product, int id) throws SQLException {
		String color = COLORS[id % COLORS.length];
		String material = MATERIALS[(id / COLORS.length) % MATERIALS.length];
		product.setLong(1, id);
		product.setString(2, sku(id));
		product.setString(3, productName(id));
		product.setString(4, CATEGORIES[id % CATEGORIES.length]);
		product.setLong(5, price(id));
		product.setString(6, "A " + color + " " + noun(id) + " made of " + material + ". " + sentences(2, 4));
		int tag = this.random.nextInt(TAGS.length);
		product.setString(7, "{\"color\":\"" + color + "\",\"material\":\"" + material + "\",\"size\":\"" + pick(SIZES)
				+ "\",\"weight_g\":" + (50 + this.random.nextInt(2_000)) + ",\"in_stock\":" + this.random.nextBoolean()
				+ ",\"tags\":[\"" + TAGS[tag] + "\",\"" + TAGS[(tag + 1 + this.random.nextInt(TAGS.length - 1)) % TAGS.length]
				+ "\"]}");
		product.addBatch();
	}

	private void addCustomer(PreparedStatement customer) throws SQLException {
		long id = this.customers.size() + 1;
		String first = pick(FIRST_NAMES);
		String last = pick(LAST_NAMES);
		City city = pick(CITIES);
		String email = first.toLowerCase(Locale.ROOT) + "." + last.toLowerCase(Locale.ROOT) + id + "@" + pick(MAIL_DOMAINS);
		String address = "{\"name\":\"" + first + " " + last + "\",\"street\":\"" + pick(STREETS) + " "
				+ (1 + this.random.nextInt(180)) + "\",\"postcode\":\"" + city.postcode(this.random) + "\",\"city\":\""
				+ city.name() + "\",\"country\":\"" + city.country() + "\"}";
		this.customers.add(new Customer(id, email, address, city));
		customer.setLong(1, id);
		customer.setString(2, email);
		customer.setString(3, first);
		customer.setString(4, last);
		customer.setString(5, city.phonePrefix() + " " + (1_000_000 + this.random.nextInt(9_000_000)));
		customer.setString(6, timestamp(this.clockMillis));
		customer.setString(7, address);
		customer.setString(8, "{\"locale\":\"" + city.locale() + "\",\"currency\":\"" + city.currency()
				+ "\",\"newsletter\":" + this.random.nextBoolean() + ",\"marketing\":{\"email\":"
				+ this.random.nextBoolean() + ",\"sms\":" + (this.random.nextInt(5) == 0) + "},\"theme\":\""
				+ ((this.random.nextInt(3) == 0) ? "dark" : "light") + "\"}");
		customer.addBatch();
	}

	private void addOrder(PreparedStatement order) throws SQLException {
		this.orders++;
		Customer customer = randomCustomer();
		StringBuilder items = new StringBuilder("[");
		long total = 0;
		int count = 1 + this.random.nextInt(4) + ((this.random.nextInt(4) == 0) ? this.random.nextInt(6) : 0);
		for (int i = 0; i < count; i++) {
			int product = 1 + this.random.nextInt(PRODUCTS);
			int quantity = (this.random.nextInt(4) == 0) ? 2 + this.random.nextInt(3) : 1;
			total += quantity * price(product);
			items.append((i > 0) ? "," : "").append("{\"sku\":\"").append(sku(product)).append("\",\"name\":\"")
				.append(productName(product)).append("\",\"quantity\":").append(quantity)
				.append(",\"unit_price_cents\":").append(price(product)).append('}');
		}
		items.append(']');
		String status = pick(ORDER_STATUSES);
		order.setLong(1, this.orders);
		order.setString(2, uuid());
		order.setLong(3, customer.id());
		order.setString(4, status);
		order.setString(5, customer.city().currency());
		order.setLong(6, total);
		order.setString(7, timestamp(this.clockMillis));
		order.setString(8, timestamp(this.clockMillis + (status.equals("new") ? 0 : 60_000L * this.random.nextInt(10_000))));
		order.setString(9, customer.address());
		order.setString(10, items.toString());
		order.addBatch();
	}

	private void addReview(PreparedStatement review) throws SQLException {
		this.reviews++;
		int rating = 1 + Math.min(4, this.random.nextInt(7));
		review.setLong(1, this.reviews);
		review.setLong(2, 1 + this.random.nextInt(PRODUCTS));
		review.setLong(3, randomCustomer().id());
		review.setInt(4, rating);
		review.setString(5, (rating >= 4) ? pick(GOOD_TITLES) : pick(BAD_TITLES));
		review.setString(6, sentences(1, 6));
		review.setString(7, timestamp(this.clockMillis));
		review.addBatch();
	}

	private void addEvent(PreparedStatement event) throws SQLException {
		this.events++;
		this.clockMillis += this.random.nextInt(500);
		int slot = this.random.nextInt(this.sessions.length);
		if (this.sessions[slot] == null || this.random.nextInt(25) == 0) {
			this.sessions[slot] = new Session((this.random.nextInt(3) == 0) ? null : randomCustomer(),
					String.format(Locale.ROOT, "%016x", this.random.nextLong()),
					"10." + this.random.nextInt(256) + "." + this.random.nextInt(256) + "." + this.random.nextInt(256),
					pick(USER_AGENTS));
		}
		Session session = this.sessions[slot];
		Customer customer = session.customer();
		String who = (customer != null) ? "customer " + customer.id() : "guest";
		int product = 1 + this.random.nextInt(PRODUCTS);
		long order = 1 + this.random.nextLong(Math.max(1, this.orders));
		String level = "INFO";
		String kind;
		String message;
		String method = "GET";
		String path;
		int status = 200;
		int roll = this.random.nextInt(100);
		if (roll < 35) {
			kind = "product.viewed";
			message = who + " viewed " + sku(product) + " (" + productName(product) + ")";
			path = "/products/" + sku(product);
		}
		else if (roll < 50) {
			kind = "search.performed";
			String query = pick(COLORS) + " " + pick(PRODUCT_NOUNS);
			message = who + " searched for \"" + query + "\": " + this.random.nextInt(120) + " results";
			path = "/search?q=" + query.replace(' ', '+');
		}
		else if (roll < 62) {
			kind = "cart.item_added";
			message = who + " added " + (1 + this.random.nextInt(3)) + " x " + sku(product) + " to the cart";
			method = "POST";
			path = "/api/cart/items";
			status = 201;
		}
		else if (roll < 68) {
			kind = "user.signed_in";
			message = who + " signed in from " + session.ip();
			method = "POST";
			path = "/api/session";
		}
		else if (roll < 74) {
			kind = "order.placed";
			message = "order " + order + " placed by " + who;
			method = "POST";
			path = "/api/orders";
			status = 201;
		}
		else if (roll < 80) {
			kind = "payment.authorized";
			message = "payment for order " + order + " authorized by " + pick(PAYMENT_PROVIDERS);
			method = "POST";
			path = "/api/orders/" + order + "/payment";
		}
		else if (roll < 85) {
			kind = "order.shipped";
			message = "order " + order + " shipped with " + pick(CARRIERS) + ", " + (1 + this.random.nextInt(3))
					+ " parcel(s)";
			method = "PUT";
			path = "/api/orders/" + order + "/shipment";
		}
		else if (roll < 90) {
			kind = "mail.sent";
			message = "sent " + pick(MAIL_TEMPLATES) + " to " + ((customer != null) ? customer.email() : "guest");
			method = "POST";
			path = "/internal/mail";
			status = 202;
		}
		else if (roll < 94) {
			kind = "user.signed_out";
			message = who + " signed out";
			method = "DELETE";
			path = "/api/session";
			status = 204;
		}
		else if (roll < 97) {
			level = "WARN";
			kind = "request.slow";
			message = "GET /api/orders/" + order + " took " + (1_000 + this.random.nextInt(4_000)) + " ms";
			path = "/api/orders/" + order;
		}
		else {
			level = "ERROR";
			kind = "request.failed";
			message = pick(ERRORS) + " while handling GET /api/orders/" + order;
			path = "/api/orders/" + order;
			status = 500 + this.random.nextInt(4);
		}
		event.setLong(1, this.events);
		event.setLong(2, this.clockMillis);
		event.setString(3, level);
		event.setString(4, kind);
		if (customer != null) {
			event.setLong(5, customer.id());
		}
		else {
			event.setNull(5, Types.INTEGER);
		}
		event.setString(6, message);
		event.setString(7, "{\"session\":\"" + session.id() + "\",\"ip\":\"" + session.ip() + "\",\"method\":\""
				+ method + "\",\"path\":\"" + path + "\",\"status\":" + status + ",\"duration_ms\":"
				+ (2 + this.random.nextInt((status >= 500) ? 5_000 : 150)) + ",\"user_agent\":\"" + session.userAgent()
				+ "\"}");
		event.addBatch();
	}

	// ------------------------------------------------------------------ values

	private Customer randomCustomer() {
		return this.customers.get(this.random.nextInt(this.customers.size()));
	}

	private <T> T pick(T[] values) {
		return values[this.random.nextInt(values.length)];
	}

	/** One to several sentences of words from {@link #WORDS}. */
	private String sentences(int min, int max) {
		StringBuilder text = new StringBuilder();
		int count = min + this.random.nextInt(max - min + 1);
		for (int i = 0; i < count; i++) {
			int words = 5 + this.random.nextInt(12);
			for (int j = 0; j < words; j++) {
				String word = pick(WORDS);
				if (j == 0) {
					text.append((i > 0) ? " " : "").append(Character.toUpperCase(word.charAt(0))).append(word, 1,
							word.length());
				}
				else {
					text.append((this.random.nextInt(12) == 0) ? ", " : " ").append(word);
				}
			}
			text.append('.');
		}
		return text.toString();
	}

	private String uuid() {
		long high = this.random.nextLong();
		long low = this.random.nextLong();
		return new UUID((high & ~0xF000L) | 0x4000L, (low & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
			.toString();
	}

	private static String sku(int product) {
		return String.format(Locale.ROOT, "SKU-%05d", product);
	}

	/** A product's name, the same wherever it appears (catalogue, order items, event log). */
	private static String productName(int product) {
		return capitalized(COLORS[product % COLORS.length] + " "
				+ MATERIALS[(product / COLORS.length) % MATERIALS.length] + " " + noun(product));
	}

	private static String noun(int product) {
		return PRODUCT_NOUNS[(product * 7) % PRODUCT_NOUNS.length];
	}

	private static long price(int product) {
		return 499 + (product * 7919L) % 20_000 / 100 * 100 + 99;
	}

	/** Every word with a capital letter. */
	private static String capitalized(String words) {
		char[] chars = words.toCharArray();
		for (int i = 0; i < chars.length; i++) {
			if (i == 0 || chars[i - 1] == ' ') {
				chars[i] = Character.toUpperCase(chars[i]);
			}
		}
		return new String(chars);
	}

	/** ISO-8601 in UTC with seconds, as applications store text timestamps. */
	private static String timestamp(long millis) {
		return Instant.ofEpochSecond(millis / 1000).toString();
	}

	private static long sizeOf(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				var rows = statement.executeQuery("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")) {
			rows.next();
			return rows.getLong(1);
		}
	}

	private record Customer(long id, String email, String address, City city) {
	}

	private record Session(Customer customer, String id, String ip, String userAgent) {
	}

	private record City(String name, String country, String locale, String currency, String phonePrefix,
			String postcodePrefix) {

		String postcode(SplittableRandom random) {
			return this.postcodePrefix + String.format(Locale.ROOT, "%03d", random.nextInt(1_000));
		}

	}

	// ------------------------------------------------------------------ word lists

	private static final City[] CITIES = { new City("Berlin", "DE", "de-DE", "EUR", "+49 30", "10"),
			new City("Hamburg", "DE", "de-DE", "EUR", "+49 40", "20"),
			new City("Munich", "DE", "de-DE", "EUR", "+49 89", "80"),
			new City("Cologne", "DE", "de-DE", "EUR", "+49 221", "50"),
			new City("Paris", "FR", "fr-FR", "EUR", "+33 1", "75"),
			new City("Lyon", "FR", "fr-FR", "EUR", "+33 4", "69"),
			new City("Amsterdam", "NL", "nl-NL", "EUR", "+31 20", "10"),
			new City("Rotterdam", "NL", "nl-NL", "EUR", "+31 10", "30"),
			new City("Madrid", "ES", "es-ES", "EUR", "+34 91", "28"),
			new City("Barcelona", "ES", "es-ES", "EUR", "+34 93", "08"),
			new City("London", "GB", "en-GB", "GBP", "+44 20", "E1"),
			new City("Manchester", "GB", "en-GB", "GBP", "+44 161", "M1"),
			new City("Stockholm", "SE", "sv-SE", "SEK", "+46 8", "11"),
			new City("New York", "US", "en-US", "USD", "+1 212", "10"),
			new City("Chicago", "US", "en-US", "USD", "+1 312", "60"),
			new City("San Francisco", "US", "en-US", "USD", "+1 415", "94"),
			new City("Austin", "US", "en-US", "USD", "+1 512", "78"),
			new City("Toronto", "CA", "en-CA", "CAD", "+1 416", "M5"),
			new City("Vienna", "AT", "de-AT", "EUR", "+43 1", "10"),
			new City("Zurich", "CH", "de-CH", "CHF", "+41 44", "80") };

	private static final String[] FIRST_NAMES = { "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo",
			"Ida", "Jonas", "Karla", "Leon", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uwe",
			"Vera", "William", "Xenia", "Yusuf", "Zoe", "Lucas", "Sofia", "Elias", "Lina", "James", "Mary", "Pierre",
			"Camille", "Javier", "Lucia", "Sven", "Astrid", "Oliver", "Charlotte" };

	private static final String[] LAST_NAMES = { "Schmidt", "Mueller", "Schneider", "Fischer", "Weber", "Meyer",
			"Wagner", "Becker", "Martin", "Bernard", "Dubois", "Laurent", "de Jong", "Jansen", "Visser", "Garcia",
			"Fernandez", "Lopez", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Miller",
			"Davis", "Andersson", "Johansson", "Karlsson", "Nilsson", "Huber", "Gruber", "Rossi", "Bianchi", "Novak",
			"Kowalski", "Nowak", "Murphy", "Kelly" };

	private static final String[] STREETS = { "Main Street", "High Street", "Station Road", "Church Street",
			"Park Avenue", "Oak Lane", "Mill Road", "Hauptstrasse", "Bahnhofstrasse", "Lindenweg", "Schulstrasse",
			"Rue de la Paix", "Rue Victor Hugo", "Avenue Foch", "Kerkstraat", "Dorpsstraat", "Calle Mayor",
			"Gran Via", "Storgatan", "Kungsgatan", "Elm Street", "Maple Drive", "Cedar Court", "River Road",
			"Queen Street", "King Street", "Market Square", "Bridge Street", "Garden Lane", "Hill Road" };

	private static final String[] MAIL_DOMAINS = { "mail.example", "inbox.example", "post.example", "webmail.example",
			"example.com", "example.org", "company.example", "home.example" };

	private static final String[] CATEGORIES = { "clothing", "shoes", "bags", "home", "kitchen", "garden", "toys",
			"books", "electronics", "sports", "beauty", "office" };

	private static final String[] COLORS = { "black", "white", "grey", "navy", "blue", "red", "green", "olive",
			"beige", "brown", "yellow", "orange", "pink", "purple", "teal", "silver" };

	private static final String[] MATERIALS = { "cotton", "linen", "wool", "leather", "canvas", "denim", "bamboo",
			"steel", "oak", "walnut", "ceramic", "glass", "recycled plastic", "silk", "cork" };

	private static final String[] PRODUCT_NOUNS = { "shirt", "sweater", "jacket", "scarf", "hat", "sneaker", "boot",
			"backpack", "tote bag", "wallet", "mug", "bowl", "lamp", "cushion", "blanket", "chair", "desk organizer",
			"notebook", "pen", "water bottle", "yoga mat", "watch strap", "phone case", "plant pot", "cutting board",
			"teapot", "towel", "apron", "belt", "umbrella" };

	private static final String[] SIZES = { "XS", "S", "M", "L", "XL", "one size" };

	private static final String[] TAGS = { "new", "sale", "bestseller", "eco", "limited", "gift", "handmade",
			"classic" };

	private static final String[] ORDER_STATUSES = { "new", "paid", "paid", "shipped", "shipped", "delivered",
			"delivered", "delivered", "delivered", "cancelled", "refunded" };

	private static final String[] GOOD_TITLES = { "Great value", "Exactly as described", "Love it", "Very happy",
			"Good quality", "Would buy again", "Perfect gift", "Fast delivery", "Five stars", "Nice and sturdy" };

	private static final String[] BAD_TITLES = { "Not as described", "Disappointed", "Broke after a week",
			"Too small", "Too expensive for what it is", "Colour is off", "Arrived late", "Returned it" };

	private static final String[] USER_AGENTS = {
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
			"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
			"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
			"shop-app/3.12.0 (Android 14)", "shop-app/3.12.0 (iOS 17.4)" };

	private static final String[] PAYMENT_PROVIDERS = { "card", "paypal", "klarna", "bank transfer", "apple pay" };

	private static final String[] CARRIERS = { "DHL", "UPS", "DPD", "PostNL", "La Poste", "Royal Mail", "FedEx" };

	private static final String[] MAIL_TEMPLATES = { "order_confirmation", "shipping_notification",
			"password_reset", "newsletter", "review_request", "welcome" };

	private static final String[] ERRORS = { "java.net.SocketTimeoutException: Read timed out",
			"org.springframework.dao.DataAccessResourceFailureException: database is locked",
			"java.lang.IllegalStateException: order is already shipped",
			"java.lang.NullPointerException: Cannot invoke \"Customer.getAddress()\" because \"customer\" is null",
			"org.springframework.web.client.HttpServerErrorException: 503 Service Unavailable" };

	private static final String[] WORDS = { "the", "a", "and", "it", "is", "was", "for", "with", "this", "that", "my",
			"we", "they", "very", "really", "quite", "not", "but", "so", "too", "also", "just", "after", "before",
			"when", "because", "although", "quality", "price", "size", "colour", "fit", "delivery", "package",
			"box", "material", "stitching", "finish", "design", "product", "order", "item", "gift", "daughter", "son",
			"husband", "wife", "friend", "kitchen", "office", "garden", "weekend", "summer", "winter", "month", "week",
			"day", "use", "wear", "wash", "return", "exchange", "recommend", "expected", "arrived", "fits", "looks",
			"feels", "works", "smells", "broke", "lasted", "fell", "apart", "soft", "hard", "light", "heavy", "warm",
			"cold", "comfortable", "cheap", "expensive", "good", "great", "excellent", "perfect", "nice", "lovely",
			"bad", "poor", "terrible", "disappointing", "small", "large", "bigger", "smaller", "than", "as",
			"described", "pictured", "shown", "online", "store", "customer", "service", "support", "helpful", "quick",
			"slow", "late", "early", "again", "first", "second", "time", "times", "every", "all", "some", "none",
			"more", "less", "better", "worse", "than", "ever", "never", "always", "would", "will", "could", "should",
			"buy", "bought", "ordered", "received", "opened", "tried", "used", "washed", "love", "like", "hate",
			"happy", "sad", "pleased", "satisfied", "colours", "sizes", "pockets", "handle", "strap", "lid", "zip",
			"buttons", "sleeves", "sole", "heel", "laces", "fabric", "leather", "wood", "metal", "plastic", "glass",
			"instructions", "assembly", "easy", "difficult", "minutes", "hours", "days", "weeks", "on", "in", "at",
			"of", "to", "from", "by", "up", "down", "out", "over", "under", "about", "around", "into", "our", "your",
			"their", "its", "one", "two", "three", "four", "five", "half", "much", "many", "well", "still", "even",
			"now", "then", "here", "there", "what", "which", "who", "how", "why", "where", "be", "been", "have", "has",
			"had", "do", "does", "did", "get", "got", "make", "made", "keep", "kept", "look", "see", "saw", "think",
			"thought", "know", "new", "old", "same", "other", "only", "own", "right", "wrong", "true", "sure" };

}
